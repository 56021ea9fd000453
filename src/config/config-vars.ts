import { z } from 'zod';

/** Building blocks of the environment schema: each parses one variable or names what was expected. */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
export const opt = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** A variable parsed by `parse` (a value, or a problem string naming what was expected); `def` when unset. */
export function parsedVar<T>(def: T, parse: (raw: string) => T | { problem: string }) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return def;
        const r = parse(v);
        if (r !== null && typeof r === 'object' && 'problem' in r) {
          ctx.addIssue({ code: 'custom', message: r.problem });
          return z.NEVER;
        }
        return r as T;
      }),
  );
}

function numberVar(kind: 'whole number' | 'number', expect: string, min: number, max: number, def: number) {
  const pattern = kind === 'whole number' ? /^\d+$/ : /^\d+(\.\d+)?$/;
  return parsedVar(def, (v) => {
    const n = Number(v);
    return pattern.test(v.trim()) && Number.isSafeInteger(Math.floor(n)) && n >= min && n <= max ? n : { problem: `expected ${expect} (a ${kind} from ${min} to ${max}), got "${v}"` };
  });
}

export const intVar = (expect: string, min: number, max: number, def: number) => numberVar('whole number', expect, min, max, def);
export const numVar = (expect: string, min: number, max: number, def: number) => numberVar('number', expect, min, max, def);

export const boolVar = (def: boolean) =>
  parsedVar(def, (v) => {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    return { problem: `expected true or false, got "${v}"` };
  });

export const urlVar = (expect: string, protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `expected ${expect}`);
