import { Migration0001InitialSchema } from "./0001-initial-schema.js";

/** Migrations in the order they run. Append; never edit one that has shipped. */
export const migrationsList = [{ name: "0001-initial-schema", class: Migration0001InitialSchema }];
