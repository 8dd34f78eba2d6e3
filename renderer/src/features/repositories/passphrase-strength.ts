// A rough passphrase strength estimate (bits from length and character variety, minus obvious patterns) and the verdict shown under the field.

export type Strength = 0 | 1 | 2 | 3 | 4;
export const strengthWords = ['tooShort', 'weak', 'fair', 'strong', 'veryStrong'] as const;

/** Below this, creating a repository is refused: the passphrase is the only thing between a stolen drive and the data. */
export const minimumStrength: Strength = 2;
export const minimumLength = 10;

const common = ['password', 'passwort', 'letmein', 'qwerty', 'azerty', '123456', 'abc123', 'admin', 'welcome', 'backup', 'airlock', 'iloveyou'];

export function estimateBits(passphrase: string): number {
  if (passphrase === '') return 0;
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/\d/.test(passphrase)) pool += 10;
  if (/[^A-Za-z0-9]/.test(passphrase)) pool += 33;
  // Letters outside ASCII (Arabic, accented) count as a larger alphabet.
  if (/[^\p{ASCII}]/u.test(passphrase)) pool += 40;
  const distinct = new Set(passphrase).size;
  // Repeats ("aaaaaaaa", "abcabcabc") add length without adding guesses.
  const effectiveLength = Math.min(passphrase.length, distinct * 2);
  let bits = effectiveLength * Math.log2(Math.max(pool, 2));
  const lower = passphrase.toLowerCase();
  if (common.some((w) => lower.includes(w))) bits -= 20;
  if (/^(.)\1+$/.test(passphrase) || /^(0123456789|1234567890|abcdefghij)/.test(lower)) bits = Math.min(bits, 10);
  return Math.max(0, bits);
}

export function passphraseStrength(passphrase: string): Strength {
  if (passphrase.length < minimumLength) return 0;
  const bits = estimateBits(passphrase);
  if (bits < 40) return 1;
  if (bits < 60) return 2;
  if (bits < 80) return 3;
  return 4;
}
