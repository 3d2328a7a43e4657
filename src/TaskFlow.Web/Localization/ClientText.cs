namespace TaskFlow.Web.Localization;

/// <summary>
/// Names ClientText.resx: everything the page scripts say. The whole set for the request's culture is rendered into
/// the page (<see cref="ClientTextCatalog"/>), so the scripts never ask the server for words.
/// </summary>
public sealed class ClientText;
