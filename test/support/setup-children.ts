/**
 * vitest setup file (vitest.config.ts): after each test file, kill the server processes it started
 * and left running (upstreams/child.ts), so no test leaves an orphan behind.
 */
import { afterAll } from 'vitest';
import { killAllChildren } from './upstreams/child.ts';

afterAll(killAllChildren);
