// Compiles only if the generated client types every list's items (make typecheck-client).
// Were a list's items untyped (`items: {}` in the OpenAPI document, `unknown[]` here), reading
// a field of an item would not compile under --strict.
import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];

// The JSON body of an operation's 200 answer; a missing one is a type with no `items`, so the
// uses below fail to compile instead of reading fields of `never`.
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : { missing: "no application/json 200 response" };

declare function get<P extends keyof paths>(path: P): Ok<P, "get" & keyof paths[P]>;

const employers = get("/api/v1/employers");
const uscc: string = employers.items[0].uscc;
const industry: string = employers.items[0].industry_code;
const next: string | null | undefined = employers.next_cursor;

const records = get("/api/v1/credit-records");
const title: string = records.items[0].title;
const employerOfRecord: string = records.items[0].employer_id;

const evaluations = get("/api/v1/evaluations");
const grade: "A" | "B" | "C" = evaluations.items[0].grade;
const cycle: number = evaluations.items[0].cycle;

const clients = get("/api/v1/clients");
const keyPrefix: string = clients.items[0].key_prefix;

const ruleSets = get("/api/v1/rule-sets");
const version: number = ruleSets.items[0].version;
const inUse: boolean = ruleSets.items[0].in_use;

const evidence = get("/api/v1/credit-records/{record_id}/attachments");
const sha256: string = evidence.items[0].sha256;
const size: number = evidence.items[0].size_bytes;

const filed = get("/api/v1/evaluations/{evaluation_id}/representations/attachments");
const side: Schemas["Filer"]["side"] = filed.items[0].filed_by.side;
const fileName: string = filed.items[0].file_name;

const accounts = get("/api/v1/users");
const role: Schemas["Role"] = accounts.items[0].role;

export const read = {
  uscc, industry, next, title, employerOfRecord, grade, cycle, keyPrefix, version, inUse,
  sha256, size, side, fileName, role,
};
