/**
 * The bench's WhatsNext server: exactly `whatsnext serve` (src/cli/serve.ts),
 * in a process of its own so that its peak RSS and CPU profile are its own.
 */
import { serve } from "../src/cli/serve.js";

await serve();
