/**
 * A tiny WebAssembly SIMD kernel: int8 dot products of one query against many rows. Brute-force
 * cosine over 50k × 512 float32 reads 100 MB per query, which alone exceeds a 10 ms budget on
 * commodity memory bandwidth; int8 rows are 4× smaller and SIMD does 16 multiply-adds per step.
 * The module is assembled here from opcodes (about 150 bytes) so no build step or binary file is needed.
 *
 * Equivalent WAT:
 *   (func (export "dot") (param $q i32) (param $m i32) (param $rows i32) (param $dim i32) (param $out i32)
 *     for r in 0..rows: acc = 0; for j in 0..dim step 16:
 *       a = v128.load(q + j); b = v128.load(m + r*dim + j)
 *       acc += i32x4.dot_i16x8_s(extend_low_s(a), extend_low_s(b)) + i32x4.dot_i16x8_s(extend_high_s(a), extend_high_s(b))
 *     out[r] = sum of acc's lanes
 */

/** An instantiated kernel with its own growable memory. */
export interface Int8DotKernel {
  readonly memory: WebAssembly.Memory;
  /** Writes `rows` i32 dot products of the query at `queryPtr` with rows at `matrixPtr` into `outPtr`. */
  dot(queryPtr: number, matrixPtr: number, rows: number, dim: number, outPtr: number): void;
}

const SIMD = 0xfd;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  void: 0x40,
};
const simd = {
  load: [SIMD, 0x00, 0x04, 0x00],
  const0: [SIMD, 0x0c, ...new Array<number>(16).fill(0)],
  extendLowS: [SIMD, 0x87, 0x01],
  extendHighS: [SIMD, 0x88, 0x01],
  dotI16: [SIMD, 0xba, 0x01],
  i32x4Add: [SIMD, 0xae, 0x01],
  lane: (n: number) => [SIMD, 0x1b, n],
};
// Locals: params q=0 m=1 rows=2 dim=3 out=4; r=5 j=6 row=7 (i32); acc=8 a=9 b=10 (v128).
const [Q, M, ROWS, DIM, OUT, R, J, ROW, ACC, A, B] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

function body(): number[] {
  const g = (i: number) => [op.get, i];
  const s = (i: number) => [op.set, i];
  return [
    ...[0x02, 0x03, 0x7f, 0x03, 0x7b], // locals: 3 × i32, 3 × v128
    ...g(M),
    ...s(ROW),
    op.block,
    op.void,
    op.loop,
    op.void,
    ...g(R),
    ...g(ROWS),
    op.i32GeU,
    op.brIf,
    1,
    ...simd.const0,
    ...s(ACC),
    op.i32Const,
    0,
    ...s(J),
    op.loop,
    op.void,
    ...g(Q),
    ...g(J),
    op.i32Add,
    ...simd.load,
    ...s(A),
    ...g(ROW),
    ...g(J),
    op.i32Add,
    ...simd.load,
    ...s(B),
    ...g(ACC),
    ...g(A),
    ...simd.extendLowS,
    ...g(B),
    ...simd.extendLowS,
    ...simd.dotI16,
    ...simd.i32x4Add,
    ...g(A),
    ...simd.extendHighS,
    ...g(B),
    ...simd.extendHighS,
    ...simd.dotI16,
    ...simd.i32x4Add,
    ...s(ACC),
    ...g(J),
    op.i32Const,
    16,
    op.i32Add,
    op.tee,
    J,
    ...g(DIM),
    op.i32LtU,
    op.brIf,
    0,
    op.end,
    ...g(OUT),
    ...g(R),
    op.i32Const,
    2,
    op.i32Shl,
    op.i32Add,
    ...g(ACC),
    ...simd.lane(0),
    ...g(ACC),
    ...simd.lane(1),
    op.i32Add,
    ...g(ACC),
    ...simd.lane(2),
    op.i32Add,
    ...g(ACC),
    ...simd.lane(3),
    op.i32Add,
    op.i32Store,
    0x02,
    0x00,
    ...g(ROW),
    ...g(DIM),
    op.i32Add,
    ...s(ROW),
    ...g(R),
    op.i32Const,
    1,
    op.i32Add,
    ...s(R),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
  ];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  return [text.length, ...[...text].map((c) => c.charCodeAt(0))];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const code = body();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('dot'), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

/** A fresh kernel instance, or null where WebAssembly SIMD is unavailable (callers fall back to JS). */
export function createInt8DotKernel(): Int8DotKernel | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  const instance = new WebAssembly.Instance(compiled, {});
  const { memory, dot } = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    dot: Int8DotKernel['dot'];
  };
  return { memory, dot };
}
