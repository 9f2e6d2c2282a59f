using Dapper;
using Npgsql;
using OpsBoard.Data.Matters;
using OpsBoard.Data.Reception;
using OpsBoard.Data.Tests.Metrics;
using OpsBoard.Data.Tests.Reception;

namespace OpsBoard.Data.Tests.Matters;

/// <summary>What the KPIs need recorded: 信访代办 with its 代办员, and the satisfaction asked at the reply.</summary>
public sealed class ProxyAndReplyRatingTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    Task<MetricsScenario> ScenarioAsync() => MetricsScenario.CreateAsync(db.DataSource, MetricsScenario.Beijing(2026, 11, 2));

    static NewMatter Letter(string source = MatterSource.Letter, bool proxy = true, string? agent = "  王代办 ") =>
        new(source, "李四", FloorScenario.NewIdNumber(), null, "urban_construction", "房屋征收补偿", null, false, proxy, agent);

    async Task<(bool IsProxy, string? ProxyName)> ProxyOfAsync(long matterId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(bool, string?)>("SELECT is_proxy, proxy_name FROM matter WHERE id = @matterId", new { matterId });
    }

    [Fact]
    public async Task RegisterAsync_LetterThroughAProxy_RecordsTheAgent_TheFileShowsIt()
    {
        var s = await ScenarioAsync();

        var id = await s.Intake.RegisterAsync(s.Clerk, Letter());
        var plain = await s.Intake.RegisterAsync(s.Clerk, Letter(proxy: false, agent: "填了也不算"));
        var file = await new MatterQueries(db.DataSource, FloorScenario.Protector).FileAsync(s.Director, id);

        Assert.Equal((true, "王代办"), await ProxyOfAsync(id));
        Assert.Equal((false, null), await ProxyOfAsync(plain));
        Assert.Equal((true, "王代办"), (file!.Matter.IsProxy, file.Matter.ProxyName));
    }

    [Theory]
    [InlineData(MatterSource.Letter, "", "选择信访代办须填写代办员姓名。")]
    [InlineData(MatterSource.Online, "王代办", "信访代办只适用于来访、来信事项。")]
    [InlineData(MatterSource.Phone, "王代办", "信访代办只适用于来访、来信事项。")]
    [InlineData(MatterSource.Letter, "一个名字长到超过四十个字的代办员一个名字长到超过四十个字的代办员一个名字长到超过四十个字", "代办员姓名不超过 40 个字。")]
    public async Task RegisterAsync_ProxyWithoutAgentOrNotEligible_IsRefusedAndNothingIsRegistered(string source, string agent, string message)
    {
        var s = await ScenarioAsync();

        var refused = await Assert.ThrowsAsync<MatterException>(() => s.Intake.RegisterAsync(s.Clerk, Letter(source, agent: agent)));

        Assert.Equal(message, refused.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM matter WHERE center_id = @CenterId", new { s.CenterId }));
    }

    [Fact]
    public async Task RegisterVisit_FirstVisitThroughAProxy_OpensAProxyMatter_MissingAgentIsAFieldError()
    {
        var s = await ScenarioAsync();

        var errors = VisitRegistry.Validate(s.Floor.Visit() with { IsProxy = true, ProxyName = " " });
        var existing = VisitRegistry.Validate(s.Floor.Visit() with { MatterId = 1, IsProxy = true });
        var (_, matter) = await s.VisitAsync(proxy: true);

        Assert.Equal("选择信访代办须填写代办员姓名。", errors["ProxyName"]);
        Assert.False(existing.ContainsKey("ProxyName")); // a visit on an existing matter keeps that matter's record
        Assert.Equal((true, "张代办"), await ProxyOfAsync(matter));
    }

    [Fact]
    public async Task Schema_ProxyFlagAndAgentName_GoTogether()
    {
        var s = await ScenarioAsync();
        var id = await s.Intake.RegisterAsync(s.Clerk, Letter(proxy: false));
        await using var connection = await db.DataSource.OpenConnectionAsync();

        var flagOnly = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE matter SET is_proxy = true WHERE id = @id", new { id }));
        var nameOnly = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE matter SET proxy_name = '王代办' WHERE id = @id", new { id }));

        Assert.Equal("matter_proxy_named", flagOnly.ConstraintName);
        Assert.Equal("matter_proxy_named", nameOnly.ConstraintName);
    }

    [Fact]
    public async Task Reply_WithTheSatisfactionAskedFaceToFace_WritesTheEvaluationAuditAndLiveEventWithTheStep()
    {
        var s = await ScenarioAsync();
        var id = await s.LetterAsync();
        await s.ToHandlingAsync(id);
        s.MoveTo(MetricsScenario.Beijing(2026, 11, 5, 15));

        var note = await s.Lifecycle.RunAsync(s.Officer, id, MatterStep.Reply, new StepArguments(RepliedOn: s.Today, Outcome: ReplyOutcome.PartlySupported,
            Rating: EvaluationRating.BasicallySatisfied, Channel: EvaluationChannel.FaceToFace));

        Assert.Equal("出具答复意见：部分支持；当面征询满意度：基本满意", note);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var evaluation = await connection.QuerySingleAsync<(long Id, long? VisitId, string Rating, string Channel, DateTime At, int RecordedBy)>(
            "SELECT id, visit_id, rating, channel, at, recorded_by FROM evaluation WHERE matter_id = @id", new { id });
        var repliedAt = await connection.ExecuteScalarAsync<DateTime>("SELECT replied_at FROM matter WHERE id = @id", new { id });
        Assert.Equal((null, EvaluationRating.BasicallySatisfied, EvaluationChannel.FaceToFace, repliedAt, s.Officer.UserId),
            (evaluation.VisitId, evaluation.Rating, evaluation.Channel, evaluation.At, evaluation.RecordedBy));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM audit_log
            WHERE action = 'evaluation.recorded' AND subject_id = @Id AND user_id = @UserId AND detail->>'rating' = 'basically_satisfied'
            """, new { evaluation.Id, s.Officer.UserId }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM live_event WHERE kind = 'evaluation.recorded' AND center_id = @CenterId AND (payload->>'matterId')::bigint = @id",
            new { s.CenterId, id }));
    }

    [Fact]
    public async Task Reply_WithoutRating_WritesNoEvaluation_RatingWithoutChannelOrUnknown_IsRefusedAndNothingMoves()
    {
        var s = await ScenarioAsync();
        var rated = await s.LetterAsync();
        var plain = await s.LetterAsync();
        await s.ToHandlingAsync(rated);
        await s.ToHandlingAsync(plain);

        var noChannel = await Assert.ThrowsAsync<MatterException>(() =>
            s.Lifecycle.ReplyAsync(s.Officer, rated, s.Today, ReplyOutcome.Supported, EvaluationRating.Satisfied, null));
        var cardChannel = await Assert.ThrowsAsync<MatterException>(() =>
            s.Lifecycle.ReplyAsync(s.Officer, rated, s.Today, ReplyOutcome.Supported, EvaluationRating.Satisfied, EvaluationChannel.Card));
        var unknown = await Assert.ThrowsAsync<MatterException>(() =>
            s.Lifecycle.ReplyAsync(s.Officer, rated, s.Today, ReplyOutcome.Supported, "very_happy", EvaluationChannel.Phone));
        await s.Lifecycle.RunAsync(s.Officer, plain, MatterStep.Reply, new StepArguments(RepliedOn: s.Today, Outcome: ReplyOutcome.Supported, Rating: ""));

        Assert.Equal("请选择征询满意度的方式：当面或电话。", noChannel.Message);
        Assert.Equal(noChannel.Message, cardChannel.Message);
        Assert.Equal("满意度选项无效。", unknown.Message);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(MatterStatus.Handling, await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @rated", new { rated }));
        Assert.Equal(MatterStatus.Replied, await connection.ExecuteScalarAsync<string>("SELECT status FROM matter WHERE id = @plain", new { plain }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM evaluation WHERE matter_id = ANY(@ids)", new { ids = new[] { rated, plain } }));
    }
}
