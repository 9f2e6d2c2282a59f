using OpsBoard.Data.Matters;

namespace OpsBoard.Web.Components.Shared;

/// <summary>One accused person as a form posts it.</summary>
public sealed class AccusedPersonInput
{
    public string? Name { get; set; }
    public string? Post { get; set; }
}

/// <summary>What <see cref="AccusationFields"/> posts, turned into the domain's values (blank slots left out).</summary>
public static class AccusationForm
{
    public const int UnitSlots = 2;
    public const int PersonSlots = 2;

    public static IReadOnlyList<int> Units(List<int?>? units) => [.. (units ?? []).Where(u => u is > 0).Select(u => u!.Value).Distinct()];

    public static IReadOnlyList<AccusedPerson> People(List<AccusedPersonInput?>? people) =>
        Accusations.PeopleOf((people ?? []).Select(p => p?.Name), (people ?? []).Select(p => p?.Post));
}
