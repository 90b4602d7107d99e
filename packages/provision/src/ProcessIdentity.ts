/**
 * Who a local process is: whether it is alive, its start time and its process group, read from
 * `/proc/<pid>/stat` on Linux (`ps` and a signal check elsewhere). A pid is recycled by the OS,
 * so Paved records a process's start time with its pid and signals it only while both match:
 * the embedded PostgreSQL server here, and every process of an environment
 * (`@paved/envs/Processes`, which re-exports these).
 *
 * @since 0.2.0
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"

/**
 * What `/proc/<pid>/stat` says of a live or zombie process.
 *
 * @since 0.2.0
 */
export interface ProcessStat {
  /** The state letter: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ... */
  readonly state: string
  /** The process group. */
  readonly pgid: number
  /** Clock ticks from boot to the process's start: with the pid, who the process is. */
  readonly startTime: string
}

const hasProc = fs.existsSync("/proc/self/stat")

/**
 * The stat of a process, `undefined` when it does not exist or there is no `/proc`.
 *
 * @since 0.2.0
 */
export const stat = (pid: number): ProcessStat | undefined => {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name (field 2) may contain spaces and parens; everything after its last ")" is fixed.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return { state: fields[0] ?? "", pgid: Number(fields[2]), startTime: fields[19] ?? "" }
}

/**
 * The start time of a process (clock ticks since boot on Linux, `ps` lstart elsewhere).
 *
 * @since 0.2.0
 */
export const startTime = (pid: number): string | undefined => {
  if (hasProc) return stat(pid)?.startTime
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    return out.length > 0 ? out : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a process is alive (a zombie is not).
 *
 * @since 0.2.0
 */
export const alive = (pid: number): boolean => {
  if (hasProc) {
    const s = stat(pid)
    return s !== undefined && s.state !== "Z" && s.state !== "X"
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
