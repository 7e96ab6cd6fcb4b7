using Spectre.Console;

namespace Assessment.Cli;

/// <summary>
/// Work over many items (every county of a round) shows a progress bar on the terminal — on standard error, so what
/// the command prints on standard output stays clean for files and pipes; nothing is drawn when stderr is redirected.
/// </summary>
public static class LongWork
{
    public static Task ForEachAsync<T>(IReadOnlyList<T> items, string label, Func<T, Task> work) =>
        RunAsync(items.Count, label, async step =>
        {
            foreach (var item in items)
            {
                await work(item);
                step();
            }
        });

    /// <summary>Work of a known size that reports its own progress (a stream of answers): <paramref name="work"/> calls the step action once per item done.</summary>
    public static async Task RunAsync(int total, string label, Func<Action, Task> work)
    {
        if (Console.IsErrorRedirected || total < 3)
        {
            await work(() => { });
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: total);
                await work(() => task.Increment(1));
            });
    }
}
