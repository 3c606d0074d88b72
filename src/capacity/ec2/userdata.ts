/**
 * The user data of fleetq's own launch templates (queues with `image_id`): what an instance runs at
 * boot to become a node — its agent, dialing the daemon, with the instance's facts from the metadata
 * service. A queue's `user_data` replaces the default; in either, {server}, {token}, {cluster} and
 * {queue} are filled in. The token is the agents' shared secret (FLEETQ_HOME/agent.token): anyone on
 * the instance who can read its user data can read it, so limit the metadata service to root
 * (or hand agents certificates for agent.listen instead, in a template of your own).
 */
export const DEFAULT_USER_DATA = `#!/bin/bash
# fleetq node of queue {queue}, cluster {cluster}: start this instance's agent.
set -eu
install -d -m 0700 /var/spool/fleetq
umask 077
printf '%s' '{token}' > /var/spool/fleetq/agent.token
systemd-run --unit=fleetq-agent --property=Restart=always \\
  fleetq agent --node "$(hostname -s)" --server '{server}' --token-file /var/spool/fleetq/agent.token \\
  --state-dir /var/spool/fleetq --imds http://169.254.169.254
`;

export interface UserDataValues { server: string; token: string; cluster: string; queue: string }

/** The user data for a queue: its template (or the default) with the values filled in. */
export function renderUserData(template: string, v: UserDataValues): string {
  return (template === '' ? DEFAULT_USER_DATA : template).replace(/\{(server|token|cluster|queue)\}/g, (_, k: keyof UserDataValues) => v[k]);
}
