global using TaskFlow.Web.Extensions;
