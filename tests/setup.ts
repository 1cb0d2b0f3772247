/**
 * Preloaded before every test file (bunfig.toml): the tests compare plain text, so colour asked for by
 * the caller's environment (CI systems often set FORCE_COLOR) is turned off here. Commands a test
 * starts see it when they get this environment: node:child_process does that by itself, while
 * Bun.spawn and Bun.spawnSync pass the environment the run started with unless given `env`.
 */
process.env.FORCE_COLOR = '0';
