/** What the figures were measured on. */
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './report-types.js';

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}
