/**
 * The console's procedures: the site's list, and the one file being edited (opened from a stored
 * version, imported, or new), with the last check's problems and the procedure the preview shows.
 * The server checks and stores; this only keeps what the page shows.
 */
import type { Connection } from '$lib/socket.svelte';
import type { ErrorBody } from '$shared/errors';
import type { ProblemCode, ProcedureProblem } from '$shared/procedures/problems';
import type { Procedure } from '$shared/procedures/schema';
import type { ProcedureListItem, ProcedureVersionView } from '$shared/schemas/procedure';

/** What the last action said, for the status line. */
export type DeskNote =
  | { kind: 'checked'; steps: number }
  | { kind: 'saved'; version: number; same: boolean }
  | { kind: 'published'; version: number }
  | { kind: 'unpublished' }
  | { kind: 'empty' }
  | { kind: 'unreadable' }
  | { kind: 'error'; error: ErrorBody };

export class ProceduresDesk {
  list = $state<ProcedureListItem[]>([]);
  /** The file in the editor, as typed. */
  source = $state('');
  /** The stored version the editor was opened from; null for a new or imported file. */
  loaded = $state<ProcedureVersionView | null>(null);
  /** The imported file's name, until it is saved. */
  importedName = $state<string | null>(null);
  /** The last check's problems; null when the file was not checked since it changed. */
  problems = $state<ProcedureProblem[] | null>(null);
  /** What the preview shows: the last file that checked out. */
  previewed = $state<Procedure | null>(null);
  note = $state<DeskNote | null>(null);
  busy = $state(false);

  constructor(private readonly connection: Connection) {}

  /** Edited since it was opened or saved. */
  get dirty(): boolean {
    return this.source !== (this.loaded?.source ?? '');
  }

  /** The list line of the procedure being edited, when it is stored. */
  get current(): ProcedureListItem | null {
    return this.list.find((p) => p.id === this.loaded?.id) ?? null;
  }

  async refresh(): Promise<void> {
    const ack = await this.connection.command('procedure:list', {});
    if (ack.ok) this.list = ack.data;
  }

  private take(view: ProcedureVersionView): void {
    this.loaded = view;
    this.source = view.source;
    this.importedName = null;
    this.problems = view.problems.length ? view.problems : null;
    if (view.procedure) this.previewed = view.procedure;
  }

  async open(id: string, version?: number): Promise<void> {
    const ack = await this.connection.command('procedure:get', version ? { id, version } : { id });
    this.note = ack.ok ? null : { kind: 'error', error: ack.error };
    if (ack.ok) this.take(ack.data);
  }

  startNew(): void {
    this.loaded = null;
    this.importedName = null;
    this.source = '';
    this.problems = null;
    this.note = null;
  }

  /** A file from the manager's computer: put in the editor and checked at once. */
  async import(file: File): Promise<void> {
    let text: string;
    try {
      text = await file.text();
    } catch {
      this.note = { kind: 'unreadable' };
      return;
    }
    this.loaded = null;
    this.importedName = file.name;
    this.source = text;
    await this.check();
  }

  edited(): void {
    this.problems = null;
  }

  /** Asks the server to read the file (nothing is stored). True when it is correct. */
  async check(): Promise<boolean> {
    if (!this.source.trim()) {
      this.note = { kind: 'empty' };
      return false;
    }
    this.busy = true;
    const ack = await this.connection.command('procedure:validate', { source: this.source });
    this.busy = false;
    if (!ack.ok) {
      this.note = { kind: 'error', error: ack.error };
      return false;
    }
    if (ack.data.ok) {
      this.problems = [];
      this.previewed = ack.data.procedure;
      this.note = { kind: 'checked', steps: ack.data.procedure.steps.length };
      return true;
    }
    this.problems = ack.data.problems;
    this.note = null;
    return false;
  }

  async save(): Promise<boolean> {
    if (!this.source.trim()) {
      this.note = { kind: 'empty' };
      return false;
    }
    this.busy = true;
    const before = this.current?.latestVersion ?? null;
    const ack = await this.connection.command('procedure:save', { source: this.source });
    this.busy = false;
    if (!ack.ok) {
      const issues = ack.error.issues ?? [];
      // Refused for its contents: the same problems as a check, each at its line.
      if (ack.error.code === 'invalid_payload' && issues.length) {
        this.problems = issues.map((i) => ({
          path: i.path === 'source' ? '(file)' : i.path,
          line: i.line ?? null,
          code: (i.problem?.code ?? 'other') as ProblemCode,
          params: i.problem?.params ?? {},
          message: i.message
        }));
        this.note = null;
      } else this.note = { kind: 'error', error: ack.error };
      return false;
    }
    this.take(ack.data);
    this.note = { kind: 'saved', version: ack.data.version, same: before === ack.data.version };
    await this.refresh();
    return true;
  }

  /** Publishes what the editor shows, saving it first when it changed. */
  async publish(): Promise<void> {
    if ((this.dirty || !this.loaded) && !(await this.save())) return;
    const loaded = this.loaded;
    if (!loaded) return;
    const ack = await this.connection.command('procedure:publish', { id: loaded.id, version: loaded.version });
    this.note = ack.ok ? { kind: 'published', version: loaded.version } : { kind: 'error', error: ack.error };
    if (ack.ok) await this.refresh();
  }

  async unpublish(): Promise<void> {
    const id = this.loaded?.id;
    if (!id) return;
    const ack = await this.connection.command('procedure:unpublish', { id });
    this.note = ack.ok ? { kind: 'unpublished' } : { kind: 'error', error: ack.error };
    if (ack.ok) await this.refresh();
  }
}
