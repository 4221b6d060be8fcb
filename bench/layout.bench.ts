import { layoutSchema } from "../provider/layout/schema";
import { Comparison, compare } from "./measure";

/**
 * tenancy.yaml validation at two sizes: four times the members should cost about four times the
 * work (the cross-entry checks are one Set each). A quadratic step, as the email check once was
 * (80,000 members: 34 s), shows as a ratio near 16.
 */
export async function layoutBenchmarks(): Promise<Comparison[]> {
  const layout = (n: number) => ({ organization: { name: "Acme" }, members: Array.from({ length: n }, (_, i) => ({ email: `user${i}@acme.test`, role: "member" })) });
  const small = layout(20_000);
  const large = layout(80_000);
  const validate = (input: object) => async () => {
    if (!layoutSchema.safeParse(input).success) throw new Error("the benchmark's layout is invalid");
  };
  return [await compare("tenancy.yaml validation, 4x the members", ["20,000 members", validate(small)], ["80,000 members", validate(large)], 5)];
}
