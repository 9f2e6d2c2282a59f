using Microsoft.AspNetCore.Components;
using OpsBoard.Data.Accounts;
using OpsBoard.Data.Live;
using OpsBoard.Data.Personal;
using OpsBoard.Data.Reception;
using OpsBoard.Web.Accounts;
using OpsBoard.Web.Components.Shared;

namespace OpsBoard.Web.Components.Pages.Window;

/// <summary>A window's console: sign in, call the next number, serve, finish or transfer it.</summary>
public partial class WindowConsole
{
    static IReadOnlyList<(Placement Placement, string Label)> Placements => PlacementLabels.All;

    [Inject]
    WindowQueries Windows { get; set; } = default!;

    [Inject]
    TicketStore Tickets { get; set; } = default!;

    [Inject]
    ILogger<WindowConsole> Logger { get; set; } = default!;

    [Inject]
    LiveListener Listener { get; set; } = default!;

    [Inject]
    PetitionerCards Petitioners { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "finish")]
    FinishInput? Finish { get; set; }

    [SupplyParameterFromForm(FormName = "transfer")]
    TransferInput? Transfer { get; set; }

    IReadOnlyList<WindowChoice> windows = [];
    WindowChoice? session;
    CurrentTicket? current;
    WindowVisitor? visitor;
    string? revealedIdNumber;
    IReadOnlyList<TransferTarget> targets = [];
    WindowTakeover? takenOver;
    int? confirmingWindow;
    ActionOutcome? outcome;

    int CenterId => UserPrincipal.CenterId(HttpContext.User);
    int UserId => UserPrincipal.UserId(HttpContext.User)!.Value;
    Actor Actor => UserPrincipal.Actor(HttpContext.User);

    // The states TicketStore accepts for each action (start/recall/no-show from called, hold and finish from serving,
    // resume from on hold, transfer from any of the three): the console offers only what the store will do.
    bool Can(TicketAction action) => TicketActions.Allows(action, current?.State);

    protected override async Task OnInitializedAsync()
    {
        Finish ??= new();
        Transfer ??= new();
        await LoadAsync();
    }

    async Task LoadAsync()
    {
        session = await Windows.SessionOfAsync(CenterId, UserId);
        if (session is null)
        {
            windows = await Windows.WindowsAsync(CenterId);
            takenOver = await Windows.TakenOverAsync(CenterId, UserId);
            return;
        }

        current = await Windows.CurrentAsync(session.Id);
        visitor = current is null ? null : await Windows.VisitorAsync(Actor, current.Id);
        targets = await Windows.TransferTargetsAsync(CenterId);
    }

    Task StartAsync() => RunAsync(async () =>
    {
        await Tickets.StartServiceAsync(CenterId, current!.Id, UserId);
        return null;
    });

    Task NoShowAsync() => RunAsync(async () =>
    {
        await Tickets.NoShowAsync(CenterId, current!.Id, UserId);
        return null;
    });

    Task HoldAsync() => RunAsync(async () =>
    {
        await Tickets.HoldAsync(CenterId, current!.Id, UserId);
        return null;
    });

    Task RecallAsync() => RunAsync(async () =>
    {
        await Tickets.RecallAsync(CenterId, (await RequireCurrentAsync()).Id, UserId);
        return "已重新叫号";
    });

    Task SignInAsync(int windowId) => RunAsync(async () =>
    {
        // The confirmation is a field of the same form, so the form keeps one name whether or not it asks.
        var takeOver = HttpContext.Request.HasFormContentType && HttpContext.Request.Form["takeOver"] == "confirmed";
        try
        {
            await Tickets.SignInWindowAsync(CenterId, windowId, UserId, takeOver);
        }
        catch (WindowHeldException)
        {
            // Asked, not done: the card of this window now offers 确认接替.
            confirmingWindow = windowId;
            throw;
        }

        return null;
    });

    Task SignOutAsync() => session is null ? Task.CompletedTask : RunAsync(async () =>
    {
        await Tickets.SignOutWindowAsync(CenterId, session.Id, UserId);
        return "已签退";
    });

    Task CallNextAsync() => session is null ? Task.CompletedTask : RunAsync(async () =>
    {
        var called = await Tickets.CallNextAsync(CenterId, session.Id, UserId);
        return called is null ? "当前没有候访的号。" : null;
    });

    Task FinishAsync() => RunAsync(async () =>
    {
        var ticket = await RequireCurrentAsync();
        await Tickets.FinishAsync(CenterId, ticket.Id, UserId, Finish!.Outcome ?? "", string.IsNullOrEmpty(Finish.Rating) ? null : Finish.Rating);
        return "接待完毕";
    });

    Task TransferAsync() => RunAsync(async () =>
    {
        var ticket = await RequireCurrentAsync();
        var parts = (Transfer!.Target ?? "").Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var lineId))
        {
            throw new FloorException("请选择转至哪个窗口或业务。");
        }

        int? windowId = int.TryParse(parts[1], out var w) ? w : null;
        if (!Enum.TryParse<Placement>(Transfer.Placement, out var placement))
        {
            throw new FloorException("请选择排队位置。");
        }

        var moved = await Tickets.TransferAsync(CenterId, ticket.Id, UserId, lineId, windowId, placement);
        var target = (await Windows.TransferTargetsAsync(CenterId)).FirstOrDefault(t => t.LineId == lineId && t.WindowId == windowId);
        var where = target?.WindowName ?? target?.LineText ?? "所选窗口";
        return $"{moved.Number} 号已转至 {where}，号码不变，请来访人留意叫号";
    });

    /// <summary>The full ID number of the person at this window, in this response only, after the reveal is logged.</summary>
    Task RevealIdNumberAsync() => RunAsync(async () =>
    {
        var ticket = await RequireCurrentAsync();
        revealedIdNumber = await Petitioners.RevealForTicketAsync(Actor, ticket.Id, HttpContext.Connection.RemoteIpAddress);
        return null;
    });

    async Task<CurrentTicket> RequireCurrentAsync()
    {
        var mine = session is null ? null : await Windows.CurrentAsync(session.Id);
        return mine ?? throw new FloorException("本窗口当前没有正在办理的号。");
    }

    /// <summary>
    /// Runs an action through <see cref="ActionOutcome"/>. The action returns what to tell the officer, or null when the
    /// console itself shows the change (the number called, the state moved on).
    /// </summary>
    async Task RunAsync(Func<Task<string?>> action)
    {
        string? done = null;
        var result = await ActionOutcome.RunAsync(HttpContext, Logger, async () => done = await action(), "");
        outcome = result.Refused ? result : done is null ? null : result with { Message = done };
        await LoadAsync();
    }

    sealed class FinishInput
    {
        public string? Outcome { get; set; }
        public string? Rating { get; set; }
    }

    sealed class TransferInput
    {
        public string? Target { get; set; }
        public string? Placement { get; set; }
    }
}
