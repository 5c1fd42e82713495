import type { Command } from 'commander';
import { resources } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';

/** completionScript writes a bash completion for `tug`: verbs, subcommands, flags, resource types and names. */
export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const verbs = program.commands.map((c) => c.name());
  const subs = program.commands
    .filter((c) => c.commands.length > 0)
    .map((c) => `    ${c.name()}) subs="${c.commands.map((s) => s.name()).join(' ')}" ;;`)
    .join('\n');
  const flags = program.commands
    .map(
      (c) =>
        `    ${c.name()}) flags="${c.options.map((o) => o.long ?? o.short ?? '').join(' ')}" ;;`,
    )
    .join('\n');
  const types = [...new Set(resources.flatMap((r) => [r.resource, ...r.shortNames]))].join(' ');
  const body = `# tug completion (${shell}); load with: source <(tug completion ${shell})
_tug_objects() {
  local ns=""
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace) ns="--namespace=\${COMP_WORDS[i+1]}" ;;
      --namespace=*) ns="\${COMP_WORDS[i]}" ;;
    esac
  done
  tug get "$1" $ns -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null
}

_tug() {
  local cur verb sub subs flags words=() i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace|-o|--output|-l|--selector|-f|--filename|--context|--kubeconfig) ((i++)) ;;
      -*) ;;
      *) words+=("\${COMP_WORDS[i]}") ;;
    esac
  done
  verb="\${words[0]}"
  if [[ -z "$verb" ]]; then
    COMPREPLY=($(compgen -W "${verbs.join(' ')}" -- "$cur"))
    return
  fi
  case "$verb" in
${subs}
  esac
  if [[ -n "$subs" && \${#words[@]} -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$verb" in
${flags}
    esac
    COMPREPLY=($(compgen -W "$flags --namespace --kubeconfig --context" -- "$cur"))
    return
  fi
  local start=1
  [[ -n "$subs" ]] && start=2
  if [[ \${#words[@]} -eq $start ]]; then
    COMPREPLY=($(compgen -W "${types}" -- "$cur"))
  elif [[ \${#words[@]} -gt $start ]]; then
    COMPREPLY=($(compgen -W "$(_tug_objects "\${words[$start]}")" -- "$cur"))
  fi
}
`;
  if (shell === 'bash') return `${body}complete -F _tug tug\n`;
  return `#compdef tug\nautoload -U +X bashcompinit && bashcompinit\n${body}complete -F _tug tug\n`;
}

/** registerCompletion adds `tug completion bash|zsh`. */
export function registerCompletion(program: Command, env: CommandEnv): void {
  program
    .command('completion')
    .description('Output shell completion code for bash or zsh')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') {
        throw new CliError(`Unsupported shell type "${shell}".`);
      }
      env.out(completionScript(program, shell));
    });
}
