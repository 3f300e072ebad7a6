/** A job a dependency statement moved: enough to tell its watchers and waiters. */
export interface ChangedJob {
  readonly id: number;
  readonly projectId: number;
}
