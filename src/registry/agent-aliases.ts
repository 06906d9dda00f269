import type { AgentAdapter } from '../agents/adapter.js';
import type { AgentHost, AgentSession } from '../agents/agent-host.js';
import type { ResumeAgentOptions, SpawnAgentOptions } from '../agents/agent-options.js';
import type { AgentRun } from '../agents/agent-run.js';
import { SafeEmitter } from '../events/safe-emitter.js';
import type { ManagerEvents } from './manager-events.js';

/**
 * The manager's agent methods from before `pm.agents`: thin aliases, kept until 1.0 so that code
 * written against 0.1 runs on. This file goes whole when they do.
 */
export abstract class AgentAliases extends SafeEmitter<ManagerEvents> {
  abstract readonly agents: AgentHost;

  /** @deprecated Use `pm.agents.spawn()`. */
  spawnAgent(options: SpawnAgentOptions): AgentRun {
    return this.agents.spawn(options);
  }

  /** @deprecated Use `pm.agents.resume()`. */
  resumeAgent(sessionId: string, prompt: string, options?: ResumeAgentOptions): AgentRun {
    return this.agents.resume(sessionId, prompt, options);
  }

  /** @deprecated Use `pm.agents.register()`. */
  registerAgent(adapter: AgentAdapter): void {
    this.agents.register(adapter);
  }

  /** @deprecated Use `pm.agents.get()`. */
  agentRun(id: string): AgentRun | undefined {
    return this.agents.get(id);
  }

  /** @deprecated Use `pm.agents.findBySession()`. */
  findBySession(sessionId: string): AgentRun | undefined {
    return this.agents.findBySession(sessionId);
  }

  /** @deprecated Use `pm.agents.sessions()`. */
  sessions(): AgentSession[] {
    return this.agents.sessions();
  }

  /** @deprecated Use `pm.agents.isSessionActive()`. */
  isSessionActive(sessionId: string): boolean {
    return this.agents.isSessionActive(sessionId);
  }
}
