// The environment every benchmark process runs in: the caller's, without the variables that only
// tax one side's interpreter start-up for work no benchmark does. The report states which were
// removed and what one of them costs, measured in the same run.

/**
 * NODE_EXTRA_CA_CERTS: node 20 reads and parses that file at every start, for TLS connections no
 * job makes (a machine that reaches the internet through a proxy may set it to the whole system
 * bundle). Python ignores it.
 */
export const STARTUP_ONLY = ['NODE_EXTRA_CA_CERTS'];

/** process.env plus `extra`, without STARTUP_ONLY. */
export function benchEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const name of STARTUP_ONLY) delete env[name];
  return env;
}

/** The STARTUP_ONLY variables the caller's environment sets (those benchEnv removes). */
export function removedFromEnv() {
  return STARTUP_ONLY.filter((name) => process.env[name] !== undefined);
}
