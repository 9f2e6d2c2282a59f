using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Components;
using OpsBoard.Data.Accounts;
using OpsBoard.Web.Accounts;

namespace OpsBoard.Web.Components.Pages.Account;

public partial class Login
{
    /// <summary>Said for an unknown login, a wrong password, a disabled or a locked account alike: nothing to enumerate.</summary>
    public const string Refused = "用户名或密码不正确。";

    [Inject]
    UserStore Users { get; set; } = default!;

    [Inject]
    TwoFactor TwoFactor { get; set; } = default!;

    [Inject]
    SignInFlow Flow { get; set; } = default!;

    [Inject]
    NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "login")]
    LoginInput? Input { get; set; }

    [SupplyParameterFromForm(FormName = "login-code")]
    CodeInput? Code { get; set; }

    [SupplyParameterFromQuery]
    string? ReturnUrl { get; set; }

    string? error;
    string? ticket;

    protected override void OnInitialized()
    {
        Input ??= new();
        Code ??= new();
        // A posted code step renders its form again, or the post would find no form of its name to go to.
        ticket = Code.Ticket;
    }

    async Task SignInAsync()
    {
        var result = await Users.SignInAsync(Input!.Login, Input.Password, HttpContext.Connection.RemoteIpAddress, HttpContext.RequestAborted);
        ticket = null;
        if (result.Status != SignInStatus.Succeeded)
        {
            // A locked account is not told apart either: that would confirm the login exists. The page says the rule.
            error = Refused;
            return;
        }

        if (result.User!.TwoFactorEnabled)
        {
            ticket = Flow.TicketFor(result.User);
            return;
        }

        await CompleteAsync(result.User);
    }

    async Task VerifyCodeAsync()
    {
        var user = await Flow.UserOfTicketAsync(Code!.Ticket, HttpContext.RequestAborted);
        if (user is null)
        {
            error = "验证已超时，请重新输入用户名和密码。";
            ticket = null;
            return;
        }

        var ip = HttpContext.Connection.RemoteIpAddress;
        if (await Users.IsLockedAsync(user.Id, HttpContext.RequestAborted))
        {
            error = Refused;
            ticket = null;
            return;
        }

        if (!await TwoFactor.VerifyAsync(user.Id, Code.Value, ip, HttpContext.RequestAborted))
        {
            var locked = await Users.CountFailureAsync(user.Id, ip, "account.two_factor", HttpContext.RequestAborted);
            if (locked is not null)
            {
                error = Refused;
                ticket = null;
                return;
            }

            error = "验证码不正确或已使用过，请输入验证器中当前显示的验证码。";
            return;
        }

        await CompleteAsync(user);
    }

    async Task CompleteAsync(AppUser user)
    {
        var pending = await Flow.CompleteAsync(HttpContext, user);
        Navigation.NavigateTo(pending ?? OpsBoard.Web.Security.LocalUrl.OrHome(ReturnUrl));
    }

    sealed class LoginInput
    {
        [Required(ErrorMessage = "请输入用户名")]
        [StringLength(40, ErrorMessage = "用户名过长")]
        public string Login { get; set; } = "";

        [Required(ErrorMessage = "请输入密码")]
        [StringLength(200, ErrorMessage = "密码过长")]
        public string Password { get; set; } = "";
    }

    sealed class CodeInput
    {
        public string? Ticket { get; set; }

        public string? Value { get; set; }
    }
}
