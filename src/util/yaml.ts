/**
 * The YAML parser, reached through this module: `yaml` is CommonJS, and only a static import
 * gets its named exports through the bundler's interop (a dynamic import of it sees just a
 * default export). Load this module lazily where YAML is read.
 */
export { parse as parseYaml } from 'yaml';
