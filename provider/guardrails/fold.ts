/**
 * Texts compared the way a person reads them. A rule that compares names must not be passed by a
 * look-alike (`chat-dеv` with a Cyrillic `е`, a type token with a Greek `ο`), nor emails by case
 * (`CLEO@` is `cleo@` to the backend). Folding: Unicode compatibility form (full-width letters,
 * ligatures), invisible format characters dropped, lower case, then the letters of other scripts
 * that look like Latin ones (Unicode TR39's confusables for Cyrillic, Greek and Armenian, plus a
 * few Latin variants) replaced by those.
 */

const LOOKALIKES: Record<string, string> = {
  // Cyrillic
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x",
  ѕ: "s", і: "i", ї: "i", ј: "j", ԁ: "d", һ: "h", ӏ: "l", ԛ: "q", ԝ: "w", ь: "b", ѵ: "v", ү: "y", ɡ: "g",
  // Greek
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ϲ: "c", ϳ: "j", ζ: "z",
  // Armenian
  օ: "o", ս: "u", հ: "h", ո: "n", ց: "g", զ: "q",
  // Latin variants
  ı: "i", ȷ: "j", ℓ: "l", ß: "ss",
};
const FORMAT = /[\p{Cf}]/gu;
const LETTER = new RegExp(`[${Object.keys(LOOKALIKES).join("")}]`, "gu");

/** The text as compared by the rules: two texts a reviewer cannot tell apart fold to the same. */
export function fold(text: string): string {
  return text.normalize("NFKC").replace(FORMAT, "").toLowerCase().replace(LETTER, (c) => LOOKALIKES[c]).normalize("NFKC");
}

/** An email as the backend compares it: case-folded (and look-alikes folded, to be safe). */
export const sameEmail = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && fold(a) === fold(b);
