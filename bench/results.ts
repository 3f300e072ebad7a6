import type { SystemName } from "./queue-system.js";

/** One row of the table: what is measured, in what unit, and which way is better. */
export interface RowSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  /** Decimals shown for this row's figures. */
  readonly decimals: number;
}

/**
 * Every figure of a run: one value per repetition, per system, per row, kept
 * in the order rows were first reported so the table reads like the issue.
 */
export class Results {
  readonly rows: RowSpec[] = [];
  private readonly values = new Map<string, Map<SystemName, number[]>>();

  /** Records one repetition's value of a row for a system. */
  add(row: RowSpec, system: SystemName, value: number): void {
    if (!this.values.has(row.key)) {
      this.rows.push(row);
      this.values.set(row.key, new Map());
    }
    const bySystem = this.values.get(row.key)!;
    bySystem.set(system, [...(bySystem.get(system) ?? []), value]);
  }

  /** The values recorded for a row and system (empty when none). */
  get(rowKey: string, system: SystemName): readonly number[] {
    return this.values.get(rowKey)?.get(system) ?? [];
  }
}
