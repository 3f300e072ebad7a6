/**
 * Who acts as a worker: the worker's id and the principal making the call.
 * A worker registered by a principal may be acted as by that principal only;
 * principal null (authentication off, or an admin) is not bound.
 */
export interface WorkerActor {
  readonly workerId: string;
  readonly principal: string | null;
}

/**
 * A condition over a worker row `alias` that holds when the actor's principal
 * may act as it; it takes the principal twice as parameters (actorParams).
 */
export function principalMayActSql(alias: string): string {
  return `(${alias}.principal is null or ?::text is null or ${alias}.principal = ?::text)`;
}

/** The parameters of principalMayActSql, in order. */
export function actorParams(actor: WorkerActor): [string | null, string | null] {
  return [actor.principal, actor.principal];
}

/**
 * A guard for statements on jobs `j` held by the actor: the job's lease holder
 * is the actor's worker and the actor's principal may act as it. Takes the
 * worker id and the principal twice (guardParams).
 */
export function heldByActorSql(job: string): string {
  return `${job}.worker_id = ? and exists (select 1 from worker aw where aw.id = ${job}.worker_id and ${principalMayActSql("aw")})`;
}

/** The parameters of heldByActorSql, in order. */
export function heldByActorParams(actor: WorkerActor): [string, string | null, string | null] {
  return [actor.workerId, actor.principal, actor.principal];
}
