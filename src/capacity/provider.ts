/**
 * What the daemon asks of a capacity provider (src/capacity/*): the local machine's virtual nodes
 * today; EC2 fleets and ParallelCluster heads next. A provider knows its machines, not the
 * scheduler's policy: the daemon tells it what happened to a node, and it does what its cloud needs.
 */
export interface CapacityProvider {
  /** Whether the node's agent process is known to be alive (then a silent node is only slow). */
  agentAlive(node: string): boolean;
  /**
   * The node is gone: its agent did not come back within agent.reconnect_grace (a crash, a spot
   * interruption, a terminated instance). Its jobs have been handled; `why` says what was seen,
   * including the node's last comment (a spot notice). The provider releases or replaces it.
   */
  nodeGone(node: string, why: string): void;
}
