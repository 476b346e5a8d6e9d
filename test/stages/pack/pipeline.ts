// Test pipeline: JSONL documents → r50k tokens (gpt-tokenizer, as a custom map stage) → pack.
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { definePipeline } from '../../../engine/plan.ts';
import { map } from '../../../engine/stage.ts';
import { pack } from '../../../stages/pack/pack.ts';

export default definePipeline({
  name: 'pack-test',
  input: { paths: [] },
  tasks: 2,
  stages: [map((d) => ({ ...d, tokens: Uint32Array.from(encode(d.text)) }), 'r50k-tokenize'), pack({ seqLen: 128, shardBytes: 32 * 1024, mode: 'concat' })],
});
