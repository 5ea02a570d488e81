/** Deterministic randomness (mulberry32) for chaos tests, so that a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed of this run: CHAOS_SEED when set (to replay a run), else a new one, printed by each chaos test. */
export const chaosSeed = () => Number(process.env["CHAOS_SEED"] ?? Date.now() % 1_000_000);
