// A failed check, reported with the file and the object it is about.

export interface Problem {
  file: string;
  object: string;
  message: string;
}

export function problem(file: string, object: string, message: string): Problem {
  return { file, object, message };
}

/** One line per problem, sorted: what a failing test prints. */
export function formatProblems(problems: Problem[]): string[] {
  return problems.map((p) => `${p.file} ${p.object}: ${p.message}`).sort();
}
