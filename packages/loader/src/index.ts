export { loadLibrary, loaderReady, factory, type Library, type LoadedLibrary } from './library.js';
export { LibraryTable, type TableEntry } from './table.js';
