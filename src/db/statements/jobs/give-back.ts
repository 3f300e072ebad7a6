/**
 * A held job given back to PENDING without spending an attempt (a graceful
 * stop, a preemption, a claim the worker never received, a worker that
 * deactivates): the attempt the claim counted is returned and the lease
 * cleared. The SET list of that update, over a job aliased `j`.
 */
export const GIVE_BACK_SET = `status = 'pending', attempts = greatest(j.attempts - 1, 0), worker_id = null, lease_expires_at = null`;

/**
 * The update that ends the attempt rows of the jobs a CTE gave back (it
 * returns their id, runs and message): finished now, with the outcome (an SQL
 * expression) and the job's message, plus any further assignments.
 */
export function endGivenBackAttemptsSql(givenBack: string, outcomeSql: string, moreSet = ""): string {
  return `update job_attempt a set finished_at = now(), outcome = ${outcomeSql}, message = ${givenBack}.message${moreSet ? `, ${moreSet}` : ""}
       from ${givenBack} where a.job_id = ${givenBack}.id and a.number = ${givenBack}.runs`;
}
