using AngleSharp.Html.Parser;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>Signs in to the web pages as a browser does: the form is fetched first for its antiforgery token.</summary>
public static class WebSignIn
{
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient http, string key)
    {
        var form = new HtmlParser().ParseDocument(await http.GetStringAsync("/login"));
        var fields = form.QuerySelectorAll("form#key-login input[type=hidden]")
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        fields["key"] = key;
        return await http.PostAsync("/login", new FormUrlEncodedContent(fields));
    }
}
