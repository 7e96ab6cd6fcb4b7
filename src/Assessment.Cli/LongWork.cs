using Spectre.Console;

namespace Assessment.Cli;

/// <summary>
/// Work over many items (every county of a round) shows a progress bar on the terminal — on standard error, so what
/// the command prints on standard output stays clean for files and pipes; nothing is drawn when stderr is redirected.
/// </summary>
public static class LongWork
{
    public static async Task ForEachAsync<T>(IReadOnlyList<T> items, string label, Func<T, Task> work)
    {
        if (Console.IsErrorRedirected || items.Count < 3)
        {
            foreach (var item in items)
            {
                await work(item);
            }

            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: items.Count);
                foreach (var item in items)
                {
                    await work(item);
                    task.Increment(1);
                }
            });
    }
}
