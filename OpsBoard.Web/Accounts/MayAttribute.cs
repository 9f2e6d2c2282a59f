using Microsoft.AspNetCore.Authorization;
using OpsBoard.Data.Accounts;

namespace OpsBoard.Web.Accounts;

/// <summary>A page open to the roles the permission matrix grants the action: <c>@attribute [May(Permission.RegisterVisit)]</c>.</summary>
public sealed class MayAttribute(Permission permission) : AuthorizeAttribute(Permissions.Policy(permission));
