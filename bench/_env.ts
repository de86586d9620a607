/** A positive integer from the environment, or the fallback: how benchmarks take their sizes. */
export const envInt = (name: string, fallback: number): number => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
