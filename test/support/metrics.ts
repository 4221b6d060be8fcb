/**
 * Gauges of a server's `/metrics` (Prometheus text, a `name value` line each) as it reports them
 * now, in the order asked, read in one request. Tests and benches await a condition on them (a
 * retry settled, no usage batch in work) rather than sleep.
 */
export async function gauges(url: string, ...names: string[]): Promise<number[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return names.map((name) => {
    const found = text.match(new RegExp(`^${name} (\\S+)$`, "m"));
    if (!found) throw new Error(`${name} is not in ${url}/metrics`);
    return Number(found[1]);
  });
}

/** One gauge of `/metrics`, as the server reports it now. */
export async function gauge(url: string, name: string): Promise<number> {
  const [value] = await gauges(url, name);
  return value;
}
