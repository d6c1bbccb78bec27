/** skiff's version; the build replaces nothing here, package.json is kept in step by hand. */
export const VERSION = '0.1.0';
/** The Docker-compatible API version skiff speaks (for `version`). */
export const API_VERSION = '4.3.1';
