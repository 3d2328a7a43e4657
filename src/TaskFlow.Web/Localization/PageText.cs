namespace TaskFlow.Web.Localization;

/// <summary>Names PageText.resx: the text of the Razor pages, and DataAnnotations' field names and messages.</summary>
public sealed class PageText;
