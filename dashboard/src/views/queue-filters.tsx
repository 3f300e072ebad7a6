import { useEffect, useState } from "preact/hooks";
import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import { api, readAllPages } from "../api/clients.js";
import { ErrorLine } from "../components/error-line.js";
import { usePolling } from "../live/use-polling.js";
import { statusName, STATUSES } from "../model/job-status.js";
import type { QueueQuery } from "../model/queue-query.js";
import { paths } from "../router.js";

/** The filter form: status chips and task apply at once, name and parameters on Enter or Apply. */
export function QueueFilters({ projectId, query, onApply }: { projectId: bigint; query: QueueQuery; onApply: (changes: Partial<QueueQuery>) => void }) {
  const tasks = usePolling(
    async () =>
      (
        await readAllPages(async (pageToken, pageSize) => {
          const res = await api.tasks.listTasks({ projectId, pageSize, pageToken });
          return { items: res.tasks, nextPageToken: res.nextPageToken };
        }, 1000)
      ).items,
    String(projectId),
    undefined,
    "listing tasks",
  );
  const [name, setName] = useState(query.name);
  const [parameters, setParameters] = useState(query.parameters);
  useEffect(() => {
    setName(query.name);
    setParameters(query.parameters);
  }, [query.name, query.parameters]);
  const toggle = (s: JobStatus) => onApply({ statuses: query.statuses.includes(s) ? query.statuses.filter((x) => x !== s) : [...query.statuses, s] });
  const filtered = query.statuses.length > 0 || query.task || query.name || query.parameters;
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ name: name.trim(), parameters: parameters.trim() });
      }}
    >
      <fieldset class="status-filter">
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <label key={s} class={`chip status-${statusName(s)}`}>
            <input type="checkbox" name="status" value={statusName(s)} checked={query.statuses.includes(s)} onChange={() => toggle(s)} />
            {statusName(s)}
          </label>
        ))}
      </fieldset>
      <label>
        Task
        <select name="task" value={query.task} onChange={(e) => onApply({ task: e.currentTarget.value })}>
          <option value="">all tasks</option>
          {tasks.data?.map((t) => (
            <option key={String(t.id)} value={t.name}>
              {t.name}
            </option>
          ))}
          {query.task && !tasks.data?.some((t) => t.name === query.task) && <option value={query.task}>{query.task}</option>}
        </select>
      </label>
      <label>
        Name contains
        <input type="search" name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="lr0.1" />
      </label>
      <label>
        Parameters
        <input type="search" name="param" value={parameters} onInput={(e) => setParameters(e.currentTarget.value)} placeholder="lr=0.1 seed=3" />
      </label>
      <button type="submit">Apply</button>
      {filtered && (
        <a href={paths.queue(projectId)} class="clear-filters">
          Clear filters
        </a>
      )}
      {tasks.error && <ErrorLine error={tasks.error} />}
    </form>
  );
}
