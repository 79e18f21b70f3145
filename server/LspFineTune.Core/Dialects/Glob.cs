using System.Text;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// File globs as editors write them (<c>**/axolotl/*.yml</c>, <c>*.ds.json</c>): <c>**</c> any folders, <c>*</c> and
/// <c>?</c> within one name, <c>{a,b}</c> alternatives. A glob without a slash matches the file name anywhere.
/// </summary>
public static class Glob
{
    public static bool Matches(string glob, string path)
    {
        var normalized = path.Replace('\\', '/');
        var target = glob.Contains('/') ? normalized : normalized[(normalized.LastIndexOf('/') + 1)..];
        try
        {
            return Regex.IsMatch(target, ToRegex(glob.TrimStart('.', '/')), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string ToRegex(string glob)
    {
        var pattern = new StringBuilder(glob.Contains('/') ? "(^|/)" : "^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    i++;
                    if (i + 1 < glob.Length && glob[i + 1] == '/')
                    {
                        pattern.Append("(?:.*/)?");
                        i++;
                    }
                    else
                    {
                        pattern.Append(".*");
                    }
                    break;
                case '*':
                    pattern.Append("[^/]*");
                    break;
                case '?':
                    pattern.Append("[^/]");
                    break;
                case '{':
                    pattern.Append("(?:");
                    break;
                case '}':
                    pattern.Append(')');
                    break;
                case ',':
                    pattern.Append('|');
                    break;
                default:
                    pattern.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return pattern.Append('$').ToString();
    }
}
