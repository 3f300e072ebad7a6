import { create, fromJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { SweepSpecSchema, type SweepSpec as SweepSpecMessage } from "../../gen/whatsnext/v1/sweep_pb.js";
import type { ParameterValue, SweepSpec } from "../queue/sweep-expansion.js";

/** The wire form of a sweep's spec: what the CLI sends and what the server answers with. */
export function sweepSpecToProto(spec: SweepSpec): SweepSpecMessage {
  const baseParameters = Object.keys(spec.base).length > 0 ? (spec.base as JsonObject) : undefined;
  const value = (v: ParameterValue) => fromJson(ValueSchema, v as JsonValue);
  switch (spec.kind) {
    case "grid":
      return create(SweepSpecSchema, { baseParameters, kind: { case: "grid", value: { axes: spec.axes.map((a) => ({ name: a.name, values: a.values.map(value) })) } } });
    case "list":
      return create(SweepSpecSchema, { baseParameters, kind: { case: "list", value: { parameterSets: spec.sets as JsonObject[] } } });
    case "random":
      return create(SweepSpecSchema, {
        baseParameters,
        kind: {
          case: "random",
          value: {
            seed: BigInt(spec.seed),
            count: spec.count,
            parameters: spec.parameters.map((p) =>
              p.distribution === "choice"
                ? { name: p.name, distribution: { case: "choice" as const, value: fromJson(ListValueSchema, p.values as JsonValue) } }
                : { name: p.name, distribution: { case: rangeCase(p.distribution), value: { low: p.low, high: p.high } } },
            ),
          },
        },
      });
  }
}

function rangeCase(d: "uniform" | "log_uniform" | "int_uniform"): "uniform" | "logUniform" | "intUniform" {
  return d === "log_uniform" ? "logUniform" : d === "int_uniform" ? "intUniform" : "uniform";
}
