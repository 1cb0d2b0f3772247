/**
 * Preloaded before every test file (bunfig.toml): the tests compare plain text, so colour asked for by
 * the caller's environment (CI systems often set FORCE_COLOR) is turned off here, for this process and
 * the commands it spawns.
 */
process.env.FORCE_COLOR = '0';
