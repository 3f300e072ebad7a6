import { Migration } from "@mikro-orm/migrations";

/**
 * The whole initial schema. Written as SQL rather than generated so that the
 * claim path's partial indexes and the integrity checks are explicit.
 */
export class Migration0001InitialSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table project (
  id bigserial primary key,
  name varchar(128) not null unique,
  description text not null default '',
  status varchar(16) not null default 'active' check (status in ('active', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);`);
    this.addSql(`
create table task (
  id bigserial primary key,
  project_id bigint not null references project (id) on delete cascade,
  name varchar(128) not null,
  command_template text not null default '',
  required_cpu integer not null default 0 check (required_cpu >= 0),
  required_accelerators integer not null default 0 check (required_accelerators >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name)
);`);
    this.addSql(`
create table worker (
  id varchar(128) primary key,
  name varchar(256) not null default '',
  entity varchar(256) not null default '',
  description text not null default '',
  available_cpu integer,
  available_accelerators integer,
  last_heartbeat_at timestamptz not null default now(),
  active boolean not null default true,
  created_at timestamptz not null default now()
);`);
    this.addSql(`
create table job (
  id bigserial primary key,
  project_id bigint not null references project (id) on delete cascade,
  task_id bigint not null references task (id) on delete cascade,
  name varchar(256) not null default '',
  parameters jsonb not null default '{}',
  priority integer not null default 0,
  status varchar(16) not null default 'pending'
    check (status in ('pending', 'queued', 'running', 'completed', 'failed', 'blocked', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 1 check (max_attempts >= 1),
  unmet_dependencies integer not null default 0 check (unmet_dependencies >= 0),
  required_cpu integer not null default 0,
  required_accelerators integer not null default 0,
  worker_id varchar(128) references worker (id) on delete set null,
  lease_expires_at timestamptz,
  not_before timestamptz,
  idempotency_key varchar(256),
  command text not null default '',
  exit_code integer,
  message text not null default '',
  output_tail text not null default '',
  cancel_requested boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  unique (project_id, idempotency_key)
);`);
    // The claim path: only claimable rows are in this index, in claim order,
    // so a claim reads the first entries whatever the queue's length.
    this.addSql(`create index job_claimable_idx on job (project_id, priority desc, id) where status = 'pending' and unmet_dependencies = 0;`);
    this.addSql(`create index job_leased_idx on job (lease_expires_at) where status in ('queued', 'running');`);
    this.addSql(`create index job_worker_idx on job (worker_id) where status in ('queued', 'running');`);
    this.addSql(`create index job_project_status_idx on job (project_id, status, id);`);
    this.addSql(`create index job_task_idx on job (task_id);`);
    this.addSql(`
create table job_dependency (
  job_id bigint not null references job (id) on delete cascade,
  depends_on_id bigint not null references job (id) on delete cascade,
  primary key (job_id, depends_on_id),
  check (job_id <> depends_on_id)
);`);
    this.addSql(`create index job_dependency_depends_on_idx on job_dependency (depends_on_id);`);
    this.addSql(`
create table api_key (
  id bigserial primary key,
  name varchar(128) not null unique,
  role varchar(16) not null check (role in ('viewer', 'worker', 'submitter', 'admin')),
  prefix varchar(32) not null,
  secret_hash varchar(64) not null unique,
  project_id bigint references project (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);`);
  }
}
