import fc from "fast-check";
import { Model } from "../model";
import { Real } from "../real";

/**
 * A command built from a few small integers (which actor, which org, which target…) that are
 * resolved against the model when it runs, so any generated sequence stays meaningful however it
 * is shrunk. Its name, once run, says what it resolved to: that is the counterexample printed.
 */
export class Step<A extends object> implements fc.AsyncCommand<Model, Real> {
  private resolved?: string;

  constructor(
    private readonly name: string,
    private readonly args: A,
    private readonly ready: (m: Readonly<Model>, args: A) => boolean,
    private readonly body: (m: Model, r: Real, args: A, say: (what: string) => void) => Promise<void>,
  ) {}

  check(m: Readonly<Model>): boolean {
    this.resolved = undefined;
    return this.ready(m, this.args);
  }

  async run(m: Model, r: Real): Promise<void> {
    await this.body(m, r, this.args, (what) => (this.resolved = what));
  }

  toString(): string {
    return this.resolved ?? `${this.name}${JSON.stringify(this.args)}`;
  }
}

/** An arbitrary of one command kind from the record of its integer arguments. */
export function step<A extends object>(
  name: string,
  args: fc.Arbitrary<A>,
  ready: (m: Readonly<Model>, args: A) => boolean,
  body: (m: Model, r: Real, args: A, say: (what: string) => void) => Promise<void>,
): fc.Arbitrary<fc.AsyncCommand<Model, Real>> {
  return args.map((a) => new Step(name, a, ready, body));
}

export const small = fc.nat({ max: 15 });
export const always = () => true;
/** Non-zero three times in four: pick the actor (or target) from those close to the object. */
export const near = fc.nat({ max: 3 });
