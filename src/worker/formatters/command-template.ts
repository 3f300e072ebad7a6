/**
 * Turns a task's command_template and a job's parameters into argv, without a
 * shell. The template is split into words first, like a POSIX shell would
 * (quotes and backslashes respected), and placeholders are filled afterwards,
 * so a parameter value can never add arguments or be interpreted: the value
 * `a b; rm -rf /` is one argument, whatever it contains.
 *
 * Syntax:
 * - `{name}` is a placeholder (name: letters, digits, `_`; not starting with a
 *   digit), anywhere in a word and inside either kind of quotes:
 *   `--lr={lr}`, `"{title}"`.
 * - `{{` and `}}` are literal braces; any other brace is literal too
 *   (`awk '{ print $1 }'` needs no escaping, but `'{print}'` does: `'{{print}}'`).
 * - `'…'` is literal, `"…"` allows `\"`, `\\`, `\$` and `` \` ``; outside
 *   quotes a backslash escapes the next character; backslash-newline joins lines.
 * - What only a shell could do is refused rather than silently passed as
 *   text: unquoted `| & ; < > ( )`, backquotes, and `$` expansions outside
 *   single quotes. Wrap such a command as `sh -c '…' sh {param}` instead.
 * - Globs (`*`) and `~` are not expanded, and `#` starts no comment.
 */
import { CommandTemplateError } from "./errors.js";

/** A piece of one word of the template: literal text or a placeholder to fill. */
export type TemplateSegment = { kind: "text"; text: string } | { kind: "placeholder"; name: string };

/** One future argv element, as the segments it is made of. */
export type TemplateWord = TemplateSegment[];

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;
const SHELL_OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "`"]);
const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

/**
 * Splits a template into words of literal text and placeholders; throws
 * CommandTemplateError naming the position of an unbalanced quote or of a
 * construct that needs a shell.
 */
export function parseCommandTemplate(template: string): TemplateWord[] {
  const words: TemplateWord[] = [];
  let word: TemplateWord | null = null;
  let quote: "'" | '"' | null = null;
  let quoteStart = 0;

  const append = (text: string): void => {
    word ??= [];
    const last = word[word.length - 1];
    if (last?.kind === "text") last.text += text;
    else word.push({ kind: "text", text });
  };
  const refuse = (what: string, at: number): never => {
    throw new CommandTemplateError(
      `command_template has ${what} at position ${at + 1}, but commands run without a shell; ` +
        `quote it, or wrap the command as sh -c '…' sh {param}`,
    );
  };

  for (let i = 0; i < template.length; i++) {
    const char = template[i]!;
    const next = template[i + 1];

    if (char === "{" || char === "}") {
      if (next === char) {
        append(char);
        i++;
        continue;
      }
      const match = char === "{" ? PLACEHOLDER.exec(template.slice(i, i + 130)) : null;
      if (match) {
        word ??= [];
        word.push({ kind: "placeholder", name: match[1]! });
        i += match[0].length - 1;
      } else {
        append(char);
      }
      continue;
    }

    if (quote === "'") {
      if (char === "'") quote = null;
      else append(char);
      continue;
    }

    if (quote === '"') {
      if (char === '"') {
        quote = null;
      } else if (char === "\\" && next !== undefined && '"\\$`'.includes(next)) {
        append(next);
        i++;
      } else if (char === "\\" && next === "\n") {
        i++;
      } else if (char === "`" || (char === "$" && next !== undefined && /[A-Za-z_({0-9@*#?$!-]/.test(next))) {
        refuse(char === "`" ? "a backquote" : `a shell expansion "$${next}"`, i);
      } else {
        append(char);
      }
      continue;
    }

    // Outside quotes.
    if (WHITESPACE.has(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (char === "'" || char === '"') {
      quote = char;
      quoteStart = i;
      word ??= [];
    } else if (char === "\\") {
      if (next === "\n") i++;
      else if (next !== undefined) {
        append(next);
        i++;
      } else append(char);
    } else if (SHELL_OPERATORS.has(char)) {
      refuse(`the shell operator "${char}"`, i);
    } else if (char === "$" && next !== undefined && /[A-Za-z_({0-9@*#?$!-]/.test(next)) {
      refuse(`a shell expansion "$${next}"`, i);
    } else {
      append(char);
    }
  }

  if (quote !== null) {
    throw new CommandTemplateError(`command_template has an unclosed ${quote} quote starting at position ${quoteStart + 1}`);
  }
  if (word !== null) words.push(word);
  return words;
}

/** The placeholder names a template uses, in order of first use; for validating a task before jobs run. */
export function templatePlaceholders(template: string): string[] {
  const names = new Set<string>();
  for (const word of parseCommandTemplate(template)) {
    for (const segment of word) if (segment.kind === "placeholder") names.add(segment.name);
  }
  return [...names];
}

/**
 * A parameter as the text of one argument: strings as they are, numbers,
 * booleans and null as JSON text, objects and arrays as JSON, so a list
 * parameter arrives as `["a","b"]` for the program to parse.
 */
export function parameterToText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (value === undefined) return "";
  return JSON.stringify(value) ?? "";
}

/**
 * Fills a template's placeholders from `values` and returns argv; throws
 * CommandTemplateError naming every placeholder without a value, so nothing
 * runs with a hole in its command.
 */
export function fillCommandTemplate(template: string, values: Readonly<Record<string, string>>, context = ""): string[] {
  const words = parseCommandTemplate(template);
  const missing = new Set<string>();
  const argv = words.map((word) =>
    word
      .map((segment) => {
        if (segment.kind === "text") return segment.text;
        const value = Object.hasOwn(values, segment.name) ? values[segment.name] : undefined;
        if (value === undefined) missing.add(segment.name);
        return value ?? "";
      })
      .join(""),
  );
  if (missing.size > 0) {
    const names = [...missing].map((name) => `{${name}}`).join(", ");
    throw new CommandTemplateError(
      `command_template uses ${names}, but ${context || "the job"} has no ${missing.size === 1 ? "parameter" : "parameters"} ` +
        [...missing].map((name) => JSON.stringify(name)).join(", "),
    );
  }
  return argv;
}
