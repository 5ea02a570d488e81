/** Profile payloads (API.md "Profile"). */
import { z } from "zod";
import { StoredText } from "./common.js";

/** An IANA zone name ("Europe/Berlin", "UTC", "Etc/GMT+5") that this runtime's Intl knows; offsets like "+01:00" are not names. */
export const Timezone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, "must be an IANA time zone name")
  .refine(isKnownZone, "is not a time zone this runtime knows");

/** A BCP 47 language tag ("de-CH", "pt-BR"), at most 35 characters. */
export const Locale = z
  .string()
  .min(1)
  .max(35)
  .refine((tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  }, "must be a BCP 47 language tag");

export const UpdateProfileRequest = z
  .strictObject({ timezone: Timezone.optional(), displayName: StoredText.min(1).max(80).optional(), locale: Locale.optional() })
  .refine((input) => input.timezone !== undefined || input.displayName !== undefined || input.locale !== undefined, { message: "name at least one field" });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const ProfileResponse = z.strictObject({ timezone: z.string(), displayName: z.string().nullable(), locale: z.string().nullable() });
export type ProfileResponse = z.infer<typeof ProfileResponse>;

export const GetProfileRequest = z.strictObject({});
export const GetProfileResponse = ProfileResponse.extend({ uid: z.string(), roles: z.array(z.enum(["admin", "teacher"])) });
export type GetProfileResponse = z.infer<typeof GetProfileResponse>;

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
