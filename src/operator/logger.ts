/** The operator's log function: structured fields, never a secret (the pino logger behind it is set in run.ts). */
export type Logger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
