#!/usr/bin/env node
// bench.mjs measures ONNX Runtime (CPU, float32 or whatever the model holds)
// latency of any .onnx model, as the peer figure for our own benchmarks:
//
//	node tools/ort/bench.mjs MODEL.onnx [--runs N] [--warmup N] [--batch B] [--threads T] [--json]
//
// It runs one session with intraOpNumThreads T (default 1), interOpNumThreads 1
// and sequential execution, so the figure compares with one model.Runner on
// one core. Inputs are random values in [0, 1) of the model's input shape with
// every symbolic or batch dimension set to B (the first) or 1 (the others).
// After the warm-up runs it times each of N runs separately and reports the
// median per run and per image; --json prints one JSON object on one line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';

function usage(msg) {
  if (msg) console.error(`bench.mjs: ${msg}`);
  console.error('usage: node bench.mjs MODEL.onnx [--runs N] [--warmup N] [--batch B] [--threads T] [--json]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { model: '', runs: 200, warmup: 20, batch: 1, threads: 1, json: false };
  const ints = { '--runs': 'runs', '--warmup': 'warmup', '--batch': 'batch', '--threads': 'threads' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') {
      opts.json = true;
    } else if (a in ints) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--warmup' ? 0 : 1)) usage(`${a} needs a positive integer, got ${argv[i]}`);
      opts[ints[a]] = v;
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-')) {
      usage(`unknown flag ${a}`);
    } else if (!opts.model) {
      opts.model = a;
    } else {
      usage(`one model only, got ${opts.model} and ${a}`);
    }
  }
  if (!opts.model) usage('no model given');
  return opts;
}

// inputTensor makes a random tensor for one input's metadata. Only tensor
// inputs of float or integer types are supported: anything else is an error
// naming the input, since a benchmark on made-up types would mean nothing.
function inputTensor(meta, batch) {
  if (!meta.isTensor) throw new Error(`bench.mjs: input ${meta.name} is not a tensor`);
  const fixed = meta.shape[0];
  if (typeof fixed === 'number' && fixed > 0 && fixed !== batch) {
    throw new Error(`bench.mjs: input ${meta.name} has a fixed batch dimension of ${fixed}; --batch ${batch} needs a model with a symbolic one`);
  }
  const dims = meta.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' && d > 0 ? d : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  const arrays = {
    float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
    int32: Int32Array, int64: BigInt64Array,
  };
  const Arr = arrays[meta.type];
  if (!Arr) throw new Error(`bench.mjs: input ${meta.name} has type ${meta.type}, not supported`);
  const data = new Arr(size);
  for (let i = 0; i < size; i++) {
    const v = Math.random();
    if (Arr === BigInt64Array) data[i] = BigInt(Math.floor(v * 4));
    else if (Arr === Float32Array || Arr === Float64Array) data[i] = v;
    else data[i] = Math.floor(v * 100);
  }
  return new ort.Tensor(meta.type, data, dims);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let bytes;
  try {
    bytes = readFileSync(opts.model);
  } catch (e) {
    console.error(`bench.mjs: ${e.message}`);
    process.exit(1);
  }
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const meta of session.inputMetadata) feeds[meta.name] = inputTensor(meta, opts.batch);

  for (let i = 0; i < opts.warmup; i++) await session.run(feeds);
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  // CPU time of the whole process (user + system, microseconds): on a shared
  // machine it leaves out the time other processes hold the core.
  const cpu = process.cpuUsage(cpu0);
  const med = median(times);
  const result = {
    runtime: 'onnxruntime-node',
    version: ort.env.versions?.common ?? 'unknown',
    model: opts.model,
    batch: opts.batch,
    threads: opts.threads,
    runs: opts.runs,
    warmup: opts.warmup,
    median_ms: med,
    min_ms: Math.min(...times),
    mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
    cpu_ms_per_image: (cpu.user + cpu.system) / 1000 / (opts.runs * opts.batch),
    ms_per_image: med / opts.batch,
    images_per_s: (1000 * opts.batch) / med,
  };
  await session.release();
  if (opts.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${opts.model}: onnxruntime ${result.version}, batch ${opts.batch}, ${opts.threads} thread(s), ${opts.runs} runs after ${opts.warmup} warm-up`);
    console.log(`median ${med.toFixed(3)} ms/run (min ${result.min_ms.toFixed(3)}, mean ${result.mean_ms.toFixed(3)}), ${result.ms_per_image.toFixed(3)} ms/image, ${result.cpu_ms_per_image.toFixed(3)} cpu-ms/image, ${result.images_per_s.toFixed(1)} images/s`);
  }
}

main().catch((e) => {
  console.error(e.message.startsWith('bench.mjs') ? e.message : `bench.mjs: ${e.message}`);
  process.exit(1);
});
