/** fleetq's version, as `--version` and the API report it. */
export const VERSION = '0.1.0';
