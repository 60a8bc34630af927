#!/usr/bin/env node
// count.mjs is ONNX Runtime's side of tools/ort/inscount: it runs a model
// warmup times, sets a mark (a write of exactly 65,521 bytes to /dev/null,
// which the qemu plugin there reports with its instruction count), runs it
// reps more times and sets another mark.
//
//	node tools/ort/count.mjs MODEL.onnx WARMUP REPS
//
// The session is set up as bench.mjs's: one intra-op thread, one inter-op
// thread, sequential execution, all graph optimisations. The input is a fixed
// pseudo-random image in [0, 1) (or 0..99 for integer inputs), so every run
// executes the same instructions.
import { closeSync, openSync, writeSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const MARK_LEN = 65521;

function fail(msg) {
  console.error(`count.mjs: ${msg}`);
  process.exit(2);
}

const [file, warmupArg, repsArg] = process.argv.slice(2);
if (!file || !warmupArg || !repsArg) fail('usage: node count.mjs MODEL.onnx WARMUP REPS');
const warmup = Number(warmupArg);
const reps = Number(repsArg);
if (!Number.isInteger(warmup) || warmup < 1 || !Number.isInteger(reps) || reps < 1) {
  fail(`WARMUP and REPS must be positive integers, got ${warmupArg} and ${repsArg}`);
}

const session = await ort.InferenceSession.create(file, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const meta = session.inputMetadata[0];
if (!meta || !meta.isTensor || meta.type !== 'float32') fail(`${file}: first input is not a float32 tensor`);
const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
const size = dims.reduce((a, b) => a * b, 1);
const data = new Float32Array(size);
// A linear congruential generator: the same image on every run.
let s = 15;
for (let i = 0; i < size; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  data[i] = s / 2 ** 32;
}
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };

const null_ = openSync('/dev/null', 'w');
const mark = Buffer.alloc(MARK_LEN);
for (let i = 0; i < warmup; i++) await session.run(feeds);
writeSync(null_, mark);
let out;
for (let i = 0; i < reps; i++) out = await session.run(feeds);
writeSync(null_, mark);
closeSync(null_);
console.log('logits', Array.from(out[session.outputNames[0]].data));
