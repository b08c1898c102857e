// doctor (and info): the bandwidth policy in force for this user's background jobs, read from the
// same files and evaluated the same way as the engine does (module/engine/policy), now.
import { evaluatePolicy } from '../../common/policy/policy-eval.js';
import { loadPolicy, policyPaths } from '../../common/policy/policy-file.js';
import { ok, warn, type CheckResult } from './check.js';

/** One line: what the policy does to background transfers right now, and where it comes from. */
export function policySummary(stateDir: string, env: NodeJS.ProcessEnv = process.env, now = Date.now()): { summary: string; blocked: boolean; problems: string[] } {
  const loaded = loadPolicy(policyPaths(stateDir, env));
  const state = evaluatePolicy(loaded.policy, now, loaded.source);
  return { summary: state.summary, blocked: state.blocked, problems: loaded.problems };
}

export function checkPolicy(stateDir: string, env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const paths = policyPaths(stateDir, env);
  const { summary, blocked, problems } = policySummary(stateDir, env);
  const results: CheckResult[] = [];
  for (const p of problems) results.push(warn('bandwidth-policy', p, `Fix the file (format: README, "Bandwidth policy") or remove it; until then it is ignored.`));
  if (blocked) {
    results.push(warn('bandwidth-policy', summary, 'Background jobs wait in TRANSIENT_ERROR (BG_E_BLOCKED_BY_POLICY) until the policy allows transfers; FOREGROUND jobs still run.'));
  } else {
    results.push(ok('bandwidth-policy', `${summary}; files: ${paths.system} (system, wins), ${paths.user} (user)`));
  }
  return results;
}
