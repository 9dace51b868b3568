import { native } from './binding.js';

/**
 * True when the native binding loads, i.e. MPI calls can work. Never throws; lets a program
 * that can run without MPI decide before touching world().
 */
export function isAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}
