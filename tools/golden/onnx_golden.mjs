// Golden logits for model/onnx, computed by ONNX Runtime (onnxruntime-node,
// CPU) on the ONNX files themselves.
//
// Usage: node tools/golden/onnx_golden.mjs [DATA_DIR]
//   (install the runtime once: cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci)
//
// Writes, in model/onnx/testdata:
//   golden_resnet32_cifar10.json, golden_resnet32_cifar100.json: the
//     ace-compiler ResNet32s under DATA_DIR/models/ace-compiler, on
//     goldenlib.inputs() (the 40 sample PNGs, then the seeded hash inputs);
//   golden_resnet8_tiny.json: model/onnx/testdata/resnet8_tiny.onnx (made by
//     gen_resnet8.py there) on the seeded inputs only, so that its Go test
//     needs no shared data.
//
// The pixels come from goldenlib.py (run with /usr/bin/python3, which has
// numpy and PIL), so they are the very values the Go side reads. The network
// input is normalised here exactly as model.Runner does it, in float32:
// x*scale + offset with scale = float32(1/std) and offset =
// float32(-mean/std), both computed in float64 from the float32 mean and std
// (model/build.go, prepareNorm). Each image runs alone: the ace-compiler files
// fix the batch size at 1.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const OUT = path.join(ROOT, "model", "onnx", "testdata");
const ORT_DIR = path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node");
const require = createRequire(import.meta.url);
const ort = require(ORT_DIR);
const ORT_VERSION = JSON.parse(fs.readFileSync(path.join(ORT_DIR, "package.json"), "utf8")).version;

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const PLANE = 32 * 32;
const LEN = 3 * PLANE;

// goldenInputs asks goldenlib for the input specs and their [0, 1] pixels
// (float32, little-endian, CHW per image).
function goldenInputs(data, seedsOnly) {
  const code = `
import base64, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import goldenlib
if sys.argv[3] == "seeds":
    specs = [{"seed": s} for s in goldenlib.SEEDS]
    px = np.stack([goldenlib.random_input(s) for s in goldenlib.SEEDS])
else:
    specs, px = goldenlib.inputs(sys.argv[2])
px = np.ascontiguousarray(px, dtype="<f4")
json.dump({"specs": specs, "pixels": base64.b64encode(px.tobytes()).decode()}, sys.stdout)
`;
  const r = spawnSync("/usr/bin/python3", ["-c", code, HERE, data, seedsOnly ? "seeds" : "all"], {
    maxBuffer: 1 << 28,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    throw new Error(`goldenlib helper failed (${r.status}): ${r.stderr}`);
  }
  const { specs, pixels } = JSON.parse(r.stdout);
  const buf = Buffer.from(pixels, "base64");
  const px = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  if (px.length !== specs.length * LEN) {
    throw new Error(`helper gave ${px.length} values for ${specs.length} inputs`);
  }
  return { specs, px };
}

// normalise mirrors model.Runner: v*scale + offset, each step rounded to float32.
function normalise(px) {
  const out = new Float32Array(px.length);
  for (let c = 0; c < 3; c++) {
    const inv = 1 / Math.fround(STD[c]);
    const scale = Math.fround(inv);
    const offset = Math.fround(-Math.fround(MEAN[c]) * inv);
    for (let i = c * PLANE; i < px.length; i += LEN) {
      for (let j = i; j < i + PLANE; j++) {
        out[j] = Math.fround(Math.fround(px[j] * scale) + offset);
      }
    }
  }
  return out;
}

async function run(modelPath, rel, inputs, outName) {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const x = normalise(inputs.px);
  const logits = [];
  for (let n = 0; n < inputs.specs.length; n++) {
    const t = new ort.Tensor("float32", x.slice(n * LEN, (n + 1) * LEN), [1, 3, 32, 32]);
    const out = await session.run({ [session.inputNames[0]]: t });
    logits.push(Array.from(out[session.outputNames[0]].data));
  }
  const golden = { model: rel, reference: `onnxruntime-node ${ORT_VERSION}`, inputs: inputs.specs, logits };
  const dst = path.join(OUT, outName);
  fs.writeFileSync(dst, JSON.stringify(golden) + "\n");
  const top = logits[0].indexOf(Math.max(...logits[0]));
  console.log(`${dst}: ${logits.length} inputs x ${logits[0].length} logits, top-1 of input 0: ${top}`);
}

async function main() {
  const data = process.argv[2] ?? path.join(ROOT, "..", "shared", "data");
  await run(path.join(OUT, "resnet8_tiny.onnx"), "model/onnx/testdata/resnet8_tiny.onnx", goldenInputs(data, true), "golden_resnet8_tiny.json");
  const all = goldenInputs(data, false);
  for (const n of [10, 100]) {
    const rel = `models/ace-compiler/resnet32_cifar${n}_pre.onnx`;
    await run(path.join(data, rel), rel, all, `golden_resnet32_cifar${n}.json`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
