/**
 * Input and output caps of the text tools (issue 9: no call may hold the relay's event
 * loop). A tool's work runs on a compute thread, but its input is parsed and its output
 * serialised on the event loop, so both stay within what that costs a few milliseconds.
 */
/** Longest text a text or security tool takes, in UTF-16 code units (what JSON and zod count). */
export const MAX_TEXT_CHARS = 1_000_000
/**
 * Longest text text_chunk takes: its answer repeats the text (and overlaps repeat more),
 * and an answer costs the event loop more per character than a question.
 */
export const MAX_CHUNK_INPUT_CHARS = 500_000
/**
 * Most chunks one text_chunk call returns, and most characters they hold together
 * (overlap repeats text). Its answer is validated, turned into the result's text and
 * serialised again by the SDK, each on the event loop: at 2,000 chunks and 1,000,000
 * characters that held the loop for 60–100 ms (measured on the 2-core VM), so half.
 */
export const MAX_CHUNKS = 1_000
export const MAX_CHUNKED_CHARS = 500_000
/** Longest text a tool answers with (a redacted copy can be longer than its original). */
export const MAX_OUTPUT_TEXT_CHARS = 1_000_000
